# What GDAL's CMake does: CMake's own FindHDF5 (which takes hdf5-config.cmake when it finds
# one, else asks the h5cc wrapper), asked for the C and CXX components as GDAL asks (plus HL),
# then a C and a C++ program linked with what it found.
cmake_minimum_required(VERSION 3.16)
project(hdf5_consumer C CXX)
set(HDF5_COMPONENTS C CXX HL CACHE STRING "the components to ask for")
find_package(HDF5 REQUIRED COMPONENTS ${HDF5_COMPONENTS})
message(STATUS "HDF5 ${HDF5_VERSION}: ${HDF5_INCLUDE_DIRS} | ${HDF5_C_LIBRARIES} | ${HDF5_CXX_LIBRARIES} | ${HDF5_HL_LIBRARIES}")
if(NOT HDF5_VERSION VERSION_EQUAL "$ENV{PKG_VERSION}")
  message(FATAL_ERROR "found HDF5 ${HDF5_VERSION}, not $ENV{PKG_VERSION}")
endif()
add_executable(test_hdf5 test_hdf5.c)
target_include_directories(test_hdf5 PRIVATE ${HDF5_INCLUDE_DIRS})
target_link_libraries(test_hdf5 PRIVATE ${HDF5_C_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
if(CXX IN_LIST HDF5_COMPONENTS)
  add_executable(test_hdf5_cpp test_hdf5_cpp.cpp)
  target_include_directories(test_hdf5_cpp PRIVATE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(test_hdf5_cpp PRIVATE ${HDF5_CXX_LIBRARIES} ${HDF5_C_LIBRARIES})
endif()
