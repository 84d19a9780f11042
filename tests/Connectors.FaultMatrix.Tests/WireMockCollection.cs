namespace Connectors.FaultMatrix.Tests;

[CollectionDefinition(WireMockTest.Collection)]
public sealed class WireMockCollection : ICollectionFixture<WireMockFixture>;
