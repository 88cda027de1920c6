"""Workflows as data: which stages an episode runs, what each reads, and when.

A workflow is a DAG of stages. Each stage names the stages whose outputs it reads
(``needs``), the stages it merely waits for (``after``), and optionally a condition on
another stage's output (``when: quality.passed``). Built-in stages run the project's
agents; any other stage runs a user agent given by import path.

Everything is checked before Ray starts or a file is written, and every mistake is a
``UserInputError(field, problem)`` with the field's path in the batch file
(``workflow.stages[2].after``). This module is where callers import workflows from; the
work is done in modules of one concept each, whose public names are re-exported here:

- ``podcast_factory.workflow_shape``: ``StageSpec``, ``Workflow``, the tables of built-in
  stages and the presets;
- ``podcast_factory.workflow_checks``: ``validate`` and ``load_agents``;
- ``podcast_factory.workflow_build``: ``build_workflow`` (a batch file) and
  ``workflow_from_python`` (the Python API);
- ``podcast_factory.conditions``: the condition language;
- ``podcast_factory.user_agents``: the loading of user agents.

None of them imports ``podcast_factory.models`` at module level: models.py imports
``Workflow`` from here to put it on ``BatchSpec``.
"""

from __future__ import annotations

# ``X as X``: re-exported, so that ``from podcast_factory.workflow import X`` keeps working.
from podcast_factory.conditions import Condition as Condition
from podcast_factory.user_agents import FILE_MODULE_PREFIX as FILE_MODULE_PREFIX
from podcast_factory.user_agents import agent_path_of as agent_path_of
from podcast_factory.user_agents import check_agent_class as check_agent_class
from podcast_factory.user_agents import load_agent_class as load_agent_class
from podcast_factory.user_agents import (
    user_agent_takes_agent_args as user_agent_takes_agent_args,
)
from podcast_factory.workflow_build import STAGE_KEYS as STAGE_KEYS
from podcast_factory.workflow_build import WORKFLOW_KEYS as WORKFLOW_KEYS
from podcast_factory.workflow_build import build_workflow as build_workflow
from podcast_factory.workflow_build import workflow_from_python as workflow_from_python
from podcast_factory.workflow_checks import load_agents as load_agents
from podcast_factory.workflow_checks import validate as validate
from podcast_factory.workflow_shape import BUILTIN_NEEDS as BUILTIN_NEEDS
from podcast_factory.workflow_shape import BUILTIN_STAGES as BUILTIN_STAGES
from podcast_factory.workflow_shape import IMPORTABLE as IMPORTABLE
from podcast_factory.workflow_shape import MAX_REVISIONS as MAX_REVISIONS
from podcast_factory.workflow_shape import MAX_STAGES as MAX_STAGES
from podcast_factory.workflow_shape import PRESETS as PRESETS
from podcast_factory.workflow_shape import RESERVED_NAMES as RESERVED_NAMES
from podcast_factory.workflow_shape import STAGE_NAME_RE as STAGE_NAME_RE
from podcast_factory.workflow_shape import StageSpec as StageSpec
from podcast_factory.workflow_shape import Workflow as Workflow
from podcast_factory.workflow_shape import output_fields as output_fields
