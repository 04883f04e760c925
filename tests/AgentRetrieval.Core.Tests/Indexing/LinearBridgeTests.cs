using AgentRetrieval.Embeddings;

namespace AgentRetrieval.Tests.Indexing;

public sealed class LinearBridgeTests
{
    [Fact]
    public void Fit_NoiselessLinearData_RecoversTheMap()
    {
        var rng = new Random(1);
        float[,] m = new float[3, 2] { { 1, 2 }, { -1, 0.5f }, { 0, 3 } };
        var x = new List<float[]>();
        var y = new List<float[]>();
        for (int s = 0; s < 200; s++)
        {
            float[] xi = [(float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble()];
            x.Add(xi);
            y.Add([(xi[0] * m[0, 0]) + (xi[1] * m[1, 0]) + (xi[2] * m[2, 0]) + 5, (xi[0] * m[0, 1]) + (xi[1] * m[1, 1]) + (xi[2] * m[2, 1]) - 1]);
        }

        LinearBridge bridge = LinearBridge.Fit(x, y, 1e-6);
        float[] probe = [0.2f, 0.7f, 0.1f];
        float[] predicted = bridge.Apply(probe);

        Assert.Equal((0.2 * 1) + (0.7 * -1) + (0.1 * 0) + 5, predicted[0] + bridge.OutputMean[0], 3);
        Assert.Equal((0.2 * 2) + (0.7 * 0.5) + (0.1 * 3) - 1, predicted[1] + bridge.OutputMean[1], 3);
    }

    [Fact]
    public void SaveLoad_RoundTrip_SameMap()
    {
        using var dir = new TempDirectory();
        LinearBridge bridge = LinearBridge.Fit([[1f, 0f], [0f, 1f], [1f, 1f]], [[2f], [3f], [5f]], 0.5);
        bridge.Save(dir.Combine("b.bin"));

        LinearBridge back = LinearBridge.Load(dir.Combine("b.bin"));

        Assert.Equal(bridge.Apply([0.3f, 0.9f]), back.Apply([0.3f, 0.9f]));
        Assert.Equal(0.5, back.Lambda);
        File.WriteAllText(dir.Combine("x.bin"), "nope");
        Assert.Throws<InvalidDataException>(() => LinearBridge.Load(dir.Combine("x.bin")));
    }
}
