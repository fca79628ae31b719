retort_add_test(tst_experimentconfig SOURCES core/tst_experimentconfig.cpp LABELS unit)
retort_add_test(tst_trainer SOURCES core/tst_trainer.cpp LABELS unit slow)
retort_add_test(tst_learning SOURCES core/tst_learning.cpp LABELS slow)
retort_add_test(tst_runreader SOURCES core/tst_runreader.cpp LABELS unit)
