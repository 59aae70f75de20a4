import FuzzSupport

// A closure, not the function itself: converting the `@_cdecl` function to a C pointer here would emit a
// second definition of LLVMFuzzerTestOneInput in this file's object.
runFuzzer { data, size in fuzzOneInput(data, size) }
