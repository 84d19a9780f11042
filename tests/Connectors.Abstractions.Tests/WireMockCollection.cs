namespace Connectors.Abstractions.Tests;

[CollectionDefinition(WireMockTest.Collection)]
public sealed class WireMockCollection : ICollectionFixture<WireMockFixture>;
