target_sources(retort_core PRIVATE
  train/runstate.h train/runstate.cpp
  train/trainerobserver.h
  train/trainercontrol.h
  train/experimentconfig.h train/experimentconfig.cpp
  train/studytable.h train/studytable.cpp
  train/checkpoint.h train/checkpoint.cpp
  train/optimizerfactory.h train/optimizerfactory.cpp
  train/lrschedule.h train/lrschedule.cpp
  train/modelema.h train/modelema.cpp
  train/runlogger.h train/runlogger.cpp
  train/runreader.h train/runreader.cpp
  train/adapterwarmup.h train/adapterwarmup.cpp
  train/trainer.h train/trainer.cpp
  train/studyrunner.h train/studyrunner.cpp
  train/studyseeds.h train/studyseeds.cpp
)
