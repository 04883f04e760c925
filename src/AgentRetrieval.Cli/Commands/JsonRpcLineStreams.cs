using System.Text;
using System.Text.Json;

namespace AgentRetrieval.Cli.Commands;

/// <summary>
/// The stdio streams of the MCP server, made strict about JSON-RPC framing: every input line that is not JSON is
/// answered with a JSON-RPC parse error (-32700) instead of being dropped without a word, and output lines are written
/// whole, so that such an error never lands inside a message the SDK is writing.
/// </summary>
internal sealed class JsonRpcLineStreams : IDisposable
{
    private readonly Stream _stdout;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public JsonRpcLineStreams(Stream stdin, Stream stdout)
    {
        _stdout = stdout;
        Input = new FilteringInput(new StreamReader(stdin, new UTF8Encoding(false)), this);
        Output = new WholeLineOutput(this);
    }

    public Stream Input { get; }

    public Stream Output { get; }

    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
        _writeLock.Dispose();
    }

    private async Task WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stdout.WriteAsync(line, cancellationToken);
            await _stdout.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private sealed class FilteringInput(StreamReader reader, JsonRpcLineStreams owner) : Stream
    {
        private byte[] _pending = [];
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset >= _pending.Length)
            {
                string? line = await reader.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    return 0;
                }

                if (line.Trim().Length == 0)
                {
                    continue;
                }

                try
                {
                    using JsonDocument doc = JsonDocument.Parse(line);
                    if (doc.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                    {
                        throw new JsonException("a JSON-RPC message is an object");
                    }
                }
                catch (JsonException ex)
                {
                    string error = JsonSerializer.Serialize(new
                    {
                        jsonrpc = "2.0",
                        id = (object?)null,
                        error = new { code = -32700, message = $"Parse error: the line is not a JSON-RPC message ({ex.Message.Split('.')[0]})." },
                    }) + "\n";
                    await owner.WriteLineAsync(Encoding.UTF8.GetBytes(error), cancellationToken);
                    continue;
                }

                _pending = Encoding.UTF8.GetBytes(line + "\n");
                _offset = 0;
            }

            int n = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class WholeLineOutput(JsonRpcLineStreams owner) : Stream
    {
        private readonly MemoryStream _line = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadOnlySpan<byte> span = buffer.Span;
            int start = 0;
            var complete = new List<byte[]>();
            lock (_line)
            {
                for (int i = 0; i < span.Length; i++)
                {
                    if (span[i] == (byte)'\n')
                    {
                        _line.Write(span[start..(i + 1)]);
                        complete.Add(_line.ToArray());
                        _line.SetLength(0);
                        start = i + 1;
                    }
                }

                _line.Write(span[start..]);
            }

            foreach (byte[] line in complete)
            {
                await owner.WriteLineAsync(line, cancellationToken);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _line.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
