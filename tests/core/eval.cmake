retort_add_test(tst_letterbox SOURCES core/tst_letterbox.cpp LABELS parity)
retort_add_test(tst_predict SOURCES core/tst_predict.cpp LABELS parity)
retort_add_test(tst_validator SOURCES core/tst_validator.cpp LABELS parity slow)
retort_add_test(tst_detectionfilter SOURCES core/tst_detectionfilter.cpp LABELS unit)
