import wabtInit from 'wabt';

/** kernels.wat's text as WebAssembly bytes (SIMD and shared memory enabled). */
export async function assembleKernels(text) {
  const wabt = await wabtInit();
  const features = { simd: true, threads: true };
  const module = wabt.parseWat('kernels.wat', text, features);
  try {
    module.validate(features);
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
