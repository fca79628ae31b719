# Widget tests: every tests/widgets/<area>.cmake fragment (offscreen platform, set by retort_add_test).
file(GLOB _retort_widget_fragments ${CMAKE_CURRENT_LIST_DIR}/*.cmake)
list(REMOVE_ITEM _retort_widget_fragments ${CMAKE_CURRENT_LIST_FILE})
foreach(_fragment ${_retort_widget_fragments})
  include(${_fragment})
endforeach()
