retort_add_test(tst_detectionloss SOURCES core/tst_detectionloss.cpp LABELS parity unit)
