/**
 * How far a pass has got, for a person watching: pieces of work finished out of those it
 * has found so far (the total can grow as a pass finds more). Never used for decisions.
 */
export type ProgressListener = (done: number, total: number) => void;
