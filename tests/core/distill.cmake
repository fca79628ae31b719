retort_add_test(tst_kdlosses SOURCES core/tst_kdlosses.cpp LABELS unit)
retort_add_test(tst_distiller SOURCES core/tst_distiller.cpp LABELS unit slow)
retort_add_test(tst_weightselection SOURCES core/tst_weightselection.cpp LABELS unit)
