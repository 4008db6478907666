export { HerokuPlatform, checkReserve, herokuBudget, type HerokuPlatformOptions } from "./HerokuPlatform.js";
export { herokuApiUrl, herokuRequests, type HerokuRequest } from "./requests.js";
