target_sources(retort_core PRIVATE
  train/runstate.h train/runstate.cpp
  train/trainerobserver.h
  train/trainercontrol.h
  train/experimentconfig.h train/experimentconfig.cpp
)
