using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelGen.Native;

/// <summary>What kind of file system object a path names, after following symbolic links.</summary>
internal enum FileKind
{
    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A named pipe (FIFO): opening it blocks until a writer comes.</summary>
    Fifo,

    /// <summary>A character device.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>
/// The facts that tell one file's contents from another's: device and inode (which file), size and modification
/// time (whether it was written). Two equal identities taken at different times mean the file was not replaced,
/// cut or rewritten in between (as far as the file system's timestamps can tell).
/// </summary>
internal readonly record struct FileIdentity(FileKind Kind, ulong Device, ulong Inode, long Size, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    /// <summary>How the identity reads in an error message.</summary>
    public override string ToString() =>
        $"{Kind} file of {Size} bytes, device {Device}, inode {Inode}, modified {ModifiedSeconds}.{ModifiedNanoseconds:D9}";

    /// <summary>
    /// Field by field: the generated equality compares the enum through <see cref="EqualityComparer{T}"/>, which
    /// is compiled in every fresh process, and every load compares each file's identity.
    /// </summary>
    public bool Equals(FileIdentity other) =>
        Kind == other.Kind && Device == other.Device && Inode == other.Inode && Size == other.Size
        && ModifiedSeconds == other.ModifiedSeconds && ModifiedNanoseconds == other.ModifiedNanoseconds;

    /// <summary>Consistent with <see cref="Equals(FileIdentity)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine((int)Kind, Device, Inode, Size, ModifiedSeconds, ModifiedNanoseconds);
}

/// <summary>
/// File status through Linux <c>statx</c> (whose layout is the same on every architecture): the kind of a path
/// without opening it, and the identity of an open file. Elsewhere, what .NET reports (no inode).
/// </summary>
internal static unsafe partial class FileStatus
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;

    /// <summary>The status of <paramref name="path"/>, symbolic links followed; <see langword="null"/> when there is nothing there.</summary>
    /// <exception cref="IOException">The status cannot be read for another reason (permissions on a folder, I/O error).</exception>
    public static FileIdentity? OfPath(string path)
    {
        if (!OperatingSystem.IsLinux())
            return Managed(path);
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, 0, StatxBasicStats, buffer) == 0)
            return Decode(buffer);
        int errno = Marshal.GetLastPInvokeError();
        if (errno is 2 or 20) // ENOENT, ENOTDIR
            return null;
        throw new IOException($"{path}: cannot read the file's status: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
    }

    /// <summary>The status of the open file behind <paramref name="handle"/>.</summary>
    public static FileIdentity OfHandle(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
            return Managed(path) ?? throw new IOException($"{path}: the file is gone.");
        byte* buffer = stackalloc byte[StatxSize];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, buffer) == 0)
                return Decode(buffer);
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: cannot read the open file's status: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static FileIdentity Decode(byte* statx)
    {
        // struct statx: stx_mode u16 @28, stx_ino u64 @32, stx_size u64 @40, stx_mtime {i64 sec, u32 nsec} @112,
        // stx_dev_major u32 @136, stx_dev_minor u32 @140.
        ushort mode = *(ushort*)(statx + 28);
        ulong inode = *(ulong*)(statx + 32);
        long size = *(long*)(statx + 40);
        long seconds = *(long*)(statx + 112);
        uint nanoseconds = *(uint*)(statx + 120);
        ulong device = ((ulong)*(uint*)(statx + 136) << 32) | *(uint*)(statx + 140);
        return new FileIdentity(KindOf(mode), device, inode, size, seconds, nanoseconds);
    }

    private static FileKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Other,
    };

    private static FileIdentity? Managed(string path)
    {
        if (Directory.Exists(path))
            return new FileIdentity(FileKind.Directory, 0, 0, 0, 0, 0);
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
            info = target;
        if (!info.Exists)
            return null;
        long ticks = info.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks;
        return new FileIdentity(FileKind.Regular, 0, 0, info.Length, ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statx(int directory, string path, int flags, uint mask, byte* buffer);
}
