export { createServer, SERVER_VERSION, type ModelshipServer } from './server.js';
export { PACKAGE_ROOT, type ServerOptions, type StaticRoots } from './options.js';
export type { CorsOptions } from './cors.js';
export { HttpError, isHttpError, type HttpErrorKind } from './errors.js';
export { parseModelConfig, ModelConfigError, type ModelConfig, type TensorSpec } from './config.js';
export { parsePbtxt, PbtxtError, type PbMessage } from './pbtxt.js';
export { ModelRepository } from './repository.js';
export type { Datatype } from './datatypes.js';
