"""The agent surface: the skills and runs API, the MCP server and the business knowledge graph."""
