retort_add_test(tst_dataconfig SOURCES core/tst_dataconfig.cpp LABELS unit parity)
retort_add_test(tst_augment SOURCES core/tst_augment.cpp LABELS unit parity)
retort_add_test(tst_batchloader SOURCES core/tst_batchloader.cpp LABELS unit)
retort_add_test(tst_synth SOURCES core/tst_synth.cpp LABELS unit)
