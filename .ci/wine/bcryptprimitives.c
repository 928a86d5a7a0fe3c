/*
 * A stand-in for bcryptprimitives.dll, for running weft's Windows tests under Wine 8.
 *
 * Why: Rust's std (1.78 and later) gets its random seeds (HashMap's RandomState, ...) from
 * `ProcessPrng` in bcryptprimitives.dll, and imports it at load time. Wine 8 ships no such
 * DLL, so every Rust program fails to start under it before `main`. This DLL exports
 * `ProcessPrng` over advapi32's `SystemFunction036` (RtlGenRandom), which Wine has.
 * It is never used on real Windows: .ci/run copies it only into the system32 of the
 * WINEPREFIX it creates under target/, never into the user's ~/.wine.
 *
 * Built by .ci/run with: x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll
 *   bcryptprimitives.c bcryptprimitives.def -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* SystemFunction036 takes a ULONG length: fill larger requests in pieces. */
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
