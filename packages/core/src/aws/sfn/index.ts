export { StepFunctionsCallbacks, sfnRequests } from "./StepFunctionsCallbacks.js";
