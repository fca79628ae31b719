retort_add_test(tst_archspec SOURCES core/tst_archspec.cpp LABELS unit parity)
retort_add_test(tst_modelparity SOURCES core/tst_modelparity.cpp LABELS parity)
retort_add_test(tst_cliinfo SOURCES core/tst_cliinfo.cpp LABELS unit)
retort_add_test(tst_families SOURCES core/tst_families.cpp LABELS parity)
