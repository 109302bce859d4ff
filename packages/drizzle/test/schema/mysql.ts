import { relations } from "drizzle-orm";
import { datetime, int, mysqlTable, serial, varchar } from "drizzle-orm/mysql-core";

export const users = mysqlTable("users", {
  id: serial("id").primaryKey(),
  email: varchar("email", { length: 255 }).notNull().unique(),
  age: int("age"),
  createdAt: datetime("created_at", { fsp: 3 }),
});
export const posts = mysqlTable("posts", {
  id: serial("id").primaryKey(),
  userId: int("user_id").notNull(),
  title: varchar("title", { length: 255 }).notNull(),
});
export const children = mysqlTable("children", { id: int("id").primaryKey(), parentId: int("parent_id").notNull() });
export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
export const postsRelations = relations(posts, ({ one }) => ({
  user: one(users, { fields: [posts.userId], references: [users.id] }),
}));
