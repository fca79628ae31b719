# The Qt workbench: everything but main() lives in retort_gui so that tests can drive it.
set(CMAKE_AUTOMOC ON)
add_library(retort_gui STATIC
  gui/mainwindow.h gui/mainwindow.cpp
  gui/runcontroller.h gui/runcontroller.cpp
  gui/inferenceworker.h gui/inferenceworker.cpp
  gui/metatypes.h
  gui/settings.h
  gui/exportdialog.h gui/exportdialog.cpp
)
target_link_libraries(retort_gui PUBLIC retort_widgets retort_core Qt6::Widgets Qt6::Concurrent)
target_include_directories(retort_gui PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/gui)
target_compile_options(retort_gui PRIVATE -Wall -Wextra -Wno-unused-parameter)
if(RETORT_USE_PCH)
  target_precompile_headers(retort_gui REUSE_FROM retort_core)
endif()

add_executable(retort gui/main.cpp)
target_link_libraries(retort PRIVATE retort_gui)
if(RETORT_USE_PCH)
  target_precompile_headers(retort REUSE_FROM retort_core)
endif()
install(TARGETS retort RUNTIME DESTINATION bin)

# Translations: translations/retort_<lang>.ts compiled by lrelease and embedded under :/i18n.
# `cmake --build build --target update_translations` refreshes the .ts files from the sources.
file(GLOB RETORT_TS_FILES ${PROJECT_SOURCE_DIR}/translations/retort_*.ts)
if(RETORT_TS_FILES)
  file(GLOB RETORT_TR_SOURCES ${PROJECT_SOURCE_DIR}/app/gui/*.cpp ${PROJECT_SOURCE_DIR}/app/gui/*.h
                               ${PROJECT_SOURCE_DIR}/widgets/*.cpp ${PROJECT_SOURCE_DIR}/widgets/*.h)
  qt_add_translations(retort_gui TS_FILES ${RETORT_TS_FILES} RESOURCE_PREFIX /i18n
                      SOURCES ${RETORT_TR_SOURCES} INCLUDE_DIRECTORIES ${PROJECT_SOURCE_DIR}
                      LUPDATE_OPTIONS -no-obsolete)
endif()

# bench/gui_overhead.cpp: training throughput with the workbench attached vs headless.
add_executable(retort-bench-gui-overhead ${PROJECT_SOURCE_DIR}/bench/gui_overhead.cpp)
target_link_libraries(retort-bench-gui-overhead PRIVATE retort_gui)
set_target_properties(retort-bench-gui-overhead PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
if(RETORT_USE_PCH)
  target_precompile_headers(retort-bench-gui-overhead REUSE_FROM retort_core)
endif()
