// libFuzzer's public driver entry (compiler-rt, FuzzerInterface.h). The library itself is linked
// by `-sanitize=fuzzer`; this module map only declares the function for Swift.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
