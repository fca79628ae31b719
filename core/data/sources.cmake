target_sources(retort_core PRIVATE
  data/letterbox.h data/letterbox.cpp
  data/dataconfig.h data/dataconfig.cpp
  data/labels.h data/labels.cpp
  data/valdataset.h data/valdataset.cpp
  data/augment.h data/augment.cpp
  data/trainbatch.h
  data/dataset.h data/dataset.cpp
  data/batchloader.h data/batchloader.cpp
  data/synthgenerator.h data/synthgenerator.cpp
)
