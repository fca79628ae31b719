target_sources(retort_core PRIVATE
  loss/bboxiou.h loss/bboxiou.cpp
  loss/taskalignedassigner.h loss/taskalignedassigner.cpp
  loss/detectionloss.h loss/detectionloss.cpp
)
