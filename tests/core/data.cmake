retort_add_test(tst_dataconfig SOURCES core/tst_dataconfig.cpp LABELS unit parity)
