"""Wan Studio's MCP server checked from outside, by the official MCP Python SDK (PyPI `mcp` 2.x):
its stdio client starts `wan-studio mcp --sandbox`, lists the tools with their schemas and gets a
price. Usage: python3 tests/python/check_mcp.py path/to/wan-studio
"""

import asyncio
import os
import sys
import tempfile

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

TOOLS = {"estimate", "generate", "job_status", "search_library", "get_result", "list_presets"}


async def check(binary: str) -> None:
    with tempfile.TemporaryDirectory() as home:
        server = StdioServerParameters(
            command=binary,
            args=["mcp", "--sandbox", "--max-cost", "1.00"],
            env={"WAN_STUDIO_HOME": home, "PATH": os.environ.get("PATH", "")},
        )
        async with stdio_client(server) as (read, write):
            async with ClientSession(read, write) as session:
                hello = await session.initialize()
                assert hello.server_info.name == "wan-studio", hello.server_info
                listed = await session.list_tools()
                names = {t.name for t in listed.tools}
                assert names == TOOLS, names
                for tool in listed.tools:
                    assert tool.input_schema.get("type") == "object", tool.name
                    assert tool.output_schema, f"{tool.name} declares no output schema"
                generate = next(t for t in listed.tools if t.name == "generate")
                for field in ("model", "prompt", "n", "size", "images", "color_palette"):
                    assert field in generate.input_schema["properties"], field
                priced = await session.call_tool(
                    "estimate", {"model": "wan2.7-image-pro", "prompt": "a red fox", "n": 2}
                )
                assert not priced.is_error, priced
                price = priced.structured_content
                assert price["images"] == 2 and abs(price["price_usd"] - 0.15) < 1e-9, price
                assert price["problems"] == [], price
                refused = await session.call_tool("generate", {"prompt": "a fox", "n": 13})
                assert refused.is_error, refused
                said = refused.content[0].text
                assert said.startswith("n: ") and "nothing was sent" in said, said
    print(f"mcp {__import__('importlib.metadata').metadata.version('mcp')}: "
          f"{len(names)} tools listed with schemas; estimate ${price['price_usd']:.2f}; n: 13 refused")


if __name__ == "__main__":
    asyncio.run(check(sys.argv[1]))
