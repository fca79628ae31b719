target_sources(retort_core PRIVATE
  model/layers.h model/layers.cpp
  model/detect.h model/detect.cpp
  model/archspec.h model/archspec.cpp
  model/detectionmodel.h model/detectionmodel.cpp
  model/modelinfo.h model/modelinfo.cpp
)
