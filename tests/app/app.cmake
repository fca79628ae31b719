retort_add_test(tst_runcontroller SOURCES app/tst_runcontroller.cpp LIBS retort_gui LABELS unit slow)
retort_add_test(tst_mainwindow SOURCES app/tst_mainwindow.cpp LIBS retort_gui LABELS unit)
