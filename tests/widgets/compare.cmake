# Compare and Attention tabs (included by tests/CMakeLists.txt next to widgets.cmake).
retort_add_test(tst_compareview SOURCES widgets/tst_compareview.cpp LABELS unit LIBS retort_widgets)
retort_add_test(tst_attentionview SOURCES widgets/tst_attentionview.cpp LABELS unit LIBS retort_widgets)
retort_add_test(tst_inferenceworker SOURCES widgets/tst_inferenceworker.cpp LABELS parity LIBS retort_gui)
