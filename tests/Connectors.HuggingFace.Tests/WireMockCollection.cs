namespace Connectors.HuggingFace.Tests;

[CollectionDefinition(WireMockTest.Collection)]
public sealed class WireMockCollection : ICollectionFixture<WireMockFixture>;
