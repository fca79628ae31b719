target_sources(retort_core PRIVATE
  util/error.h
  util/resources.h
  util/json.h util/json.cpp
  util/atomicfile.h util/atomicfile.cpp
  util/threads.h util/threads.cpp
  util/sha256.h util/sha256.cpp
  util/runlock.h util/runlock.cpp
  util/testhook.h util/testhook.cpp
  util/imageheader.h util/imageheader.cpp
  util/yamlcheck.h util/yamlcheck.cpp
)
