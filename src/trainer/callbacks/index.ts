/** Keras-semantics callbacks for the training loop: pure logic, no TensorFlow.js. */

export type { Callback, CallbackEvent, CheckpointEvent, EarlyStoppingEvent, LearningRateEvent, Logs, TrainingControl } from './types';
export { EarlyStopping } from './earlyStopping';
export type { EarlyStoppingOptions } from './earlyStopping';
export { ModelCheckpoint } from './modelCheckpoint';
export type { ModelCheckpointOptions } from './modelCheckpoint';
export { ReduceLROnPlateau } from './reduceLROnPlateau';
export type { ReduceLROnPlateauOptions } from './reduceLROnPlateau';
export { TerminateOnNaN } from './terminateOnNaN';
export { CallbackList, callbackList } from './callbackList';
export type { CallbackListOptions } from './callbackList';
export { CSVLogger, CsvFormatter, CSV_LINE_TERMINATOR } from './csvLogger';
export type { CSVLoggerOptions } from './csvLogger';
export { Improvement, metricDirection, normalizeMode, resolveDirection } from './monitor';
export type { MonitorDirection, MonitorMode } from './monitor';
export { FilepathFormatError, FilepathTemplate, formatFilepath, parseTemplate } from '../../core/filepathTemplate';
export type { TemplatePart } from '../../core/filepathTemplate';
export { PyFormatError, parseFormatSpec, pyFormatNumber, pyFormatString, pyRepr, pyStr } from '../../core/pyFormat';
export type { FormatSpec } from '../../core/pyFormat';
