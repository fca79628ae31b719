retort_add_test(tst_trainingcharts SOURCES widgets/tst_trainingcharts.cpp LIBS retort_widgets LABELS unit)
retort_add_test(tst_runspanel SOURCES widgets/tst_runspanel.cpp LIBS retort_widgets LABELS unit)
retort_add_test(tst_resultsview SOURCES widgets/tst_resultsview.cpp LIBS retort_widgets LABELS unit)
retort_add_test(tst_experimentpanel SOURCES widgets/tst_experimentpanel.cpp LIBS retort_widgets LABELS unit)
