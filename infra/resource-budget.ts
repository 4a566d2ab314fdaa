import { CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { MAX_STACK_RESOURCES } from './route-stacks';

/** The CloudFormation resources of each template of a stack: its own and each nested stack's, by path. */
export function resourceCounts(root: Stack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const stack of [root, ...root.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c))]) counts.set(stack.node.path, 0);
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const path = Stack.of(c).node.path;
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  return counts;
}

/** One message per template over MAX_STACK_RESOURCES (a construct validation: the synth fails). */
export function resourceBudgetErrors(root: Stack): string[] {
  return [...resourceCounts(root)]
    .filter(([, n]) => n > MAX_STACK_RESOURCES)
    .map(
      ([path, n]) =>
        `${path} has ${n} CloudFormation resources, more than ${MAX_STACK_RESOURCES} (of 500): give an area of its routes a nested stack of its own in infra/route-stacks.ts`,
    );
}
