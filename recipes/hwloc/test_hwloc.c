#include <hwloc.h>
#include <stdio.h>

int main(void) {
    hwloc_topology_t topology;
    if (hwloc_topology_init(&topology) != 0) return 1;
    /* keep OS devices, where the CUDA and NVML plugins put GPUs */
    hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_ALL);
    if (hwloc_topology_load(topology) != 0) return 2;
    int cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    int pus = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
    int osdevs = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_OS_DEVICE);
    printf("hwloc %s: %d cores, %d PUs, %d OS devices\n", HWLOC_VERSION, cores, pus, osdevs);
    hwloc_topology_destroy(topology);
    return cores > 0 && pus >= cores ? 0 : 3;
}
