target_sources(retort_core PRIVATE
  distill/kdlosses.h distill/kdlosses.cpp
  distill/kdschedule.h distill/kdschedule.cpp
  distill/gcblock.h distill/gcblock.cpp
  distill/featuredistiller.h distill/featuredistiller.cpp
  distill/distiller.h distill/distiller.cpp
  distill/weightselection.h distill/weightselection.cpp
)
