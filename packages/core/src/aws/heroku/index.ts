export { HerokuPlatform, type HerokuPlatformOptions } from "./HerokuPlatform.js";
export { herokuApiUrl, herokuRequests, type HerokuRequest } from "./requests.js";
