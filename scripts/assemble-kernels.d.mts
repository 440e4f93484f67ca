/** kernels.wat's text as WebAssembly bytes (SIMD and shared memory enabled). */
export function assembleKernels(text: string): Promise<Uint8Array>;
