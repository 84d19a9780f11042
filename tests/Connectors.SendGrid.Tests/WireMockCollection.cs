namespace Connectors.SendGrid.Tests;

[CollectionDefinition(WireMockTest.Collection)]
public sealed class WireMockCollection : ICollectionFixture<WireMockFixture>;
