# `cmake --install <build> --prefix P` gives P/lib/libkplug.so, P/lib/libkplug_saving.so, P/lib/libkplug_serve.so,
# P/lib/kplug-h5-reader (the isolated HDF5 reader, beside libkplug_saving), P/include/kplug/*.hpp
# (core + SDK + the generated version.hpp), P/bin/kplug (runs from P, through its RPATH) and P/lib/cmake/kplug (find_package(kplug CONFIG) with
# kplug::core, kplug::saving, kplug::serve, kplug::sdk and kplug_add_plugin).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The libraries find each other in their folder (a program linking kplug::serve alone needs
# libkplug_saving through libkplug_serve: a program's RUNPATH serves only its own dependencies).
set_target_properties(kplug_saving kplug_serve PROPERTIES INSTALL_RPATH "$ORIGIN")
install(TARGETS kplug_core kplug_saving kplug_serve kplug_sdk EXPORT kplugTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS kplug_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The isolated HDF5 reader, where libkplug_saving looks for it: in its own folder.
install(TARGETS kplug_h5_reader RUNTIME DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/ ${PROJECT_SOURCE_DIR}/sdk/include/ ${KPLUG_GENERATED_INCLUDE_DIR}/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kplugTargets NAMESPACE kplug:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kplug)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kplugConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kplugConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kplug)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kplugConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ExactVersion)
install(FILES ${PROJECT_BINARY_DIR}/kplugConfig.cmake ${PROJECT_BINARY_DIR}/kplugConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/KplugPlugin.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kplug)
