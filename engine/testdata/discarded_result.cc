// Must NOT compile: a Result dropped on the floor is a dropped error (engine/result.h). CTest's
// ResultIsNodiscard compiles this file with the project's flags and expects the unused-result
// diagnostic.
#include "engine/result.h"

keyward::Status Write() { return keyward::MakeError(keyward::ErrorCode::kUnavailable, "busy"); }

void Caller() { Write(); }
