/** The narration: the story of a run built from its events, frames and table snapshots. */
export { narrate, type NarrateInput } from './narrate.js';
export { summarize, formatSummary, type Summary, type SummaryInput } from './summary.js';
export { snapshotTables, formatTables, type TableSnapshot, type TableOf } from './tables.js';
export { recordFrames, FrameRecorder, type FrameRecord } from './frames.js';
export { findJourney, type Journey } from './journey.js';
export { framesFromCapture } from './frames.js';
