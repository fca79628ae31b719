retort_add_test(tst_experimentconfig SOURCES core/tst_experimentconfig.cpp LABELS unit)
retort_add_test(tst_trainer SOURCES core/tst_trainer.cpp LABELS unit slow)
retort_add_test(tst_learning SOURCES core/tst_learning.cpp LABELS slow)
retort_add_test(tst_runreader SOURCES core/tst_runreader.cpp LABELS unit)
retort_add_test(tst_studyrunner SOURCES core/tst_studyrunner.cpp LABELS unit slow)
retort_add_test(tst_teacherfirst SOURCES core/tst_teacherfirst.cpp LABELS unit slow)
retort_add_test(tst_reliability SOURCES core/tst_reliability.cpp LABELS unit)
retort_add_test(tst_crashconsistency SOURCES core/tst_crashconsistency.cpp LABELS slow TIMEOUT 300)
retort_add_test(tst_fuzz SOURCES core/tst_fuzz.cpp LABELS slow TIMEOUT 300)
# libgomp's default spin-wait makes libtorch's 2-thread pool an order of magnitude slower when
# the cores are shared with other jobs (the crash harness' run with --threads 2 at load 6.6:
# 56.9 s by default, 3.8 s with OMP_WAIT_POLICY=PASSIVE); the tests that train sleep while
# waiting instead. Results do not depend on it.
set_property(TEST tst_trainer tst_studyrunner tst_teacherfirst tst_crashconsistency APPEND PROPERTY ENVIRONMENT
             "OMP_WAIT_POLICY=PASSIVE")
