/** The ranker's WebAssembly SIMD kernels and the shared memory the model lives in for them. */
export { attachKernels, type FoldInTower, Kernels, kernelsFor, type PrescoreBaseInput } from './kernels.js';
export { KERNEL_CHUNK, KERNEL_SLOT_BYTES, type KernelPlacement, placeInKernelMemory, sharedBytes } from './memory.js';
