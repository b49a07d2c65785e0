#include <cuda_runtime_api.h>

/* the number of CUDA devices, or minus the runtime's error code: no GPU is an answer, not a crash */
int cudaprobe_devices(void) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    return err == cudaSuccess ? n : -(int) err;
}
