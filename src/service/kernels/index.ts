/** The ranker's WebAssembly SIMD kernels and the shared memory the model lives in for them. */
export { attachKernels, Kernels, kernelsFor, type PrescoreBaseInput } from './kernels.js';
export { KERNEL_CHUNK, placeInKernelMemory, sharedBytes } from './memory.js';
