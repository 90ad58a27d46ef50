using System.Runtime.InteropServices;

namespace ModelGen.Distributed.Mpi;

/// <summary>
/// The C dynamic linker, for the one thing <see cref="NativeLibrary.Load(string)"/> cannot do on Linux: open a
/// library with <c>RTLD_GLOBAL</c>. Open MPI opens its components (<c>mca_*.so</c>) with <c>dlopen</c> later.
/// Debian's packages link each component against <c>libmpi</c>, so a local load works there too, but Open MPI
/// builds whose components are not linked that way can only resolve <c>libmpi</c>'s symbols from the global scope.
/// </summary>
internal static partial class DynamicLinker
{
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    /// <summary>Opens <paramref name="name"/> with <c>RTLD_NOW | RTLD_GLOBAL</c>.</summary>
    /// <returns>The handle, or 0 with <paramref name="error"/> set to the linker's message.</returns>
    public static nint OpenGlobal(string name, out string error)
    {
        nint handle;
        try
        {
            handle = LibcDlopen(name, RtldNow | RtldGlobal);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.34 keeps dlopen in libdl.
            handle = LibdlDlopen(name, RtldNow | RtldGlobal);
        }
        error = handle == 0 ? LastError() : string.Empty;
        return handle;
    }

    private static string LastError()
    {
        nint message;
        try
        {
            message = LibcDlerror();
        }
        catch (EntryPointNotFoundException)
        {
            message = LibdlDlerror();
        }
        return message == 0 ? "unknown dynamic linker error" : Marshal.PtrToStringUTF8(message) ?? string.Empty;
    }

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LibcDlopen(string fileName, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    private static partial nint LibcDlerror();

    [LibraryImport("libdl.so.2", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LibdlDlopen(string fileName, int flags);

    [LibraryImport("libdl.so.2", EntryPoint = "dlerror")]
    private static partial nint LibdlDlerror();
}
