// Precompiled header for core and its tests: torch is by far the slowest part of a build.
#pragma once

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>
