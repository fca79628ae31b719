retort_add_test(tst_runcontroller SOURCES app/tst_runcontroller.cpp LIBS retort_gui LABELS unit slow)
retort_add_test(tst_mainwindow SOURCES app/tst_mainwindow.cpp LIBS retort_gui LABELS unit)
# `retort --help` must answer without a display: the test runs the real binary.
add_dependencies(tst_mainwindow retort)
target_compile_definitions(tst_mainwindow PRIVATE RETORT_GUI_BIN="$<TARGET_FILE:retort>")
set_property(TEST tst_runcontroller APPEND PROPERTY ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE") # see tests/core/train.cmake
