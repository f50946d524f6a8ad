namespace Momentum.Runner.Output;

/// <summary>
/// Where every output file is opened, so that the tests can give a run a disk that fills up after a set number of bytes
/// (<see cref="SpaceLeft"/>) and check what a full disk leaves behind, without mounting one.
/// </summary>
internal static class Disk
{
    /// <summary>
    /// Bytes that may still be written in this asynchronous flow before writes fail as on a full disk; null (the default,
    /// and always outside tests): no limit but the real disk's.
    /// </summary>
    internal static readonly AsyncLocal<Budget?> SpaceLeft = new();

    /// <summary>A count of bytes shared by every file written in a flow (and by a sweep's worker threads).</summary>
    internal sealed class Budget(long bytes)
    {
        private long left = bytes;

        /// <summary>Takes <paramref name="count"/> bytes, or throws as a full disk does when fewer are left.</summary>
        public void Take(int count)
        {
            if (Interlocked.Add(ref left, -count) < 0)
            {
                Interlocked.Exchange(ref left, -1);
                throw new IOException("No space left on device");
            }
        }
    }

    /// <summary>Creates a new file for writing (it must not exist).</summary>
    public static Stream Create(string path) =>
        Limit(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));

    /// <summary>Opens an existing file to append to it.</summary>
    public static Stream Append(string path) =>
        Limit(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 12));

    private static Stream Limit(FileStream stream) => SpaceLeft.Value is { } budget ? new Limited(stream, budget) : stream;

    private sealed class Limited(Stream inner, Budget budget) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            budget.Take(buffer.Length);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            budget.Take(1);
            inner.WriteByte(value);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
