# The Qt workbench executable.
set(CMAKE_AUTOMOC ON)
add_executable(retort
  gui/main.cpp
  gui/mainwindow.h gui/mainwindow.cpp
)
target_link_libraries(retort PRIVATE retort_widgets retort_core Qt6::Widgets)
target_include_directories(retort PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/gui)
install(TARGETS retort RUNTIME DESTINATION bin)
target_sources(retort PRIVATE gui/inferenceworker.h gui/inferenceworker.cpp)
