"""The app's components by name, with the texts to re-translate on a language switch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["Ui"]


@dataclass(slots=True)
class Ui:
    """References to the components, and the texts to re-translate on a language switch."""

    components: dict[str, Any] = field(default_factory=dict)
    # (component name, property, text key, template) for labels, button values, Markdown and
    # tab labels; the template dresses the text, e.g. "### {}" for a heading.
    texts: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def add(self, name: str, component: Any, template: str = "{}", **keys: str) -> Any:
        """Registers a component and the text key of each translated property."""
        self.components[name] = component
        self.texts.extend((name, prop, key, template) for prop, key in keys.items())
        return component

    def relabel(self, name: str, prop: str, key: str, template: str = "{}") -> None:
        """Registers one more translated property of a component, with its own template."""
        self.texts.append((name, prop, key, template))

    def relabel_props(self, language: Language) -> dict[str, dict[str, str]]:
        """The translated properties of each registered component, in `language`."""
        props: dict[str, dict[str, str]] = {}
        for name, prop, key, template in self.texts:
            props.setdefault(name, {})[prop] = template.format(t(language, key))
        return props
